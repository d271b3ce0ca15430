package dev.transferd.ttrpc;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The allocator of every ttrpc channel's buffers: its reads, and the frames the encoder builds.
 * Buffers under {@link #LARGE} come from Netty's default allocator; larger ones (large frames, and
 * full 64 KiB reads while a large frame arrives) from one warm pool of our own.
 *
 * <p>Why: Netty's default allocator pools direct buffers only up to a size it derives from the heap
 * limit: 1 MiB at most, and nothing past 16 KiB in the low-memory mode any heap under 512 MiB
 * selects. Every larger buffer is a fresh allocation, zero-filled on JDK 25, which for a stream of
 * 1 MiB messages cost the sender about twice what encoding them did. A plain pooled allocator does
 * not help by itself: it frees a chunk as soon as a chunk it has moved past a quarter full is empty
 * again, which a stream of large frames does over and over.
 *
 * <p>The pool: one arena, {@link #CHUNK_SIZE} chunks, no per-thread caches. Its first chunk is
 * pinned by a one-page buffer taken on the first large allocation and never released, so the pool
 * keeps it (and a process that never sends or receives a large buffer never creates it): up to that
 * much direct memory stays with the process once it has moved large frames. Buffers alive beyond
 * that at once (a connection queues up to about 8 MiB before its writers wait, see {@link
 * ChannelWriter}, and Netty about as much again) come from further chunks, freed again as they
 * empty. Thread-safe.
 */
final class FrameAllocator extends AbstractByteBufAllocator {
  /** Buffers at least this large come from the warm pool. */
  static final int LARGE = 16 * 1024;

  private static final int PAGE_SIZE = 8192;
  private static final int MAX_ORDER = 11; // 8 KiB << 11

  /** The size of the pool's chunks, the first of which it keeps. */
  static final int CHUNK_SIZE = PAGE_SIZE << MAX_ORDER; // 16 MiB

  static final FrameAllocator INSTANCE = new FrameAllocator();

  private static final PooledByteBufAllocator POOL =
      new PooledByteBufAllocator(true, 0, 1, PAGE_SIZE, MAX_ORDER, 0, 0, false);

  /** Holds the page that pins the pool's first chunk; created on first use (class init). */
  private static final class Pin {
    static final ByteBuf PAGE = POOL.directBuffer(PAGE_SIZE);

    private Pin() {}

    /** Initializes this class, pinning the chunk, once. */
    static void ensure() {}
  }

  private final ByteBufAllocator small = ByteBufAllocator.DEFAULT;

  private FrameAllocator() {
    super(true);
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    if (initialCapacity < LARGE) {
      return small.directBuffer(initialCapacity, maxCapacity);
    }
    Pin.ensure();
    return POOL.directBuffer(initialCapacity, maxCapacity);
  }

  /** Direct memory the warm pool holds now (its chunks, used or not). */
  static long pooledBytes() {
    return POOL.metric().usedDirectMemory();
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return small.heapBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public boolean isDirectBufferPooled() {
    return true;
  }
}
