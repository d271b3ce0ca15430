package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm pool behind large frames keeps its memory while frames come and go. */
class FrameAllocatorTest {
  @Test
  void aStreamOfLargeFramesReusesTheOnePinnedChunk() {
    for (int round = 0; round < 20; round++) {
      // More than a quarter of a chunk alive at once, as a writer's queue of 1 MiB frames is.
      List<ByteBuf> queued = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ByteBuf frame = FrameAllocator.INSTANCE.ioBuffer((1 << 20) + Protocol.HEADER_LENGTH + 5);
        assertTrue(frame.isDirect());
        queued.add(frame.writeZero(frame.capacity()));
      }
      queued.forEach(ByteBuf::release);
      // Without the pin, the emptied chunk would be freed here and a new one zero-filled next.
      assertTrue(
          FrameAllocator.pooledBytes() >= FrameAllocator.CHUNK_SIZE,
          () -> "the pool let its chunk go: " + FrameAllocator.pooledBytes() + " bytes left");
    }
  }

  @Test
  void smallBuffersComeFromNettysDefaultAllocator() {
    ByteBuf small = FrameAllocator.INSTANCE.ioBuffer(512);
    ByteBuf large = FrameAllocator.INSTANCE.ioBuffer(FrameAllocator.LARGE);
    try {
      assertSame(ByteBufAllocator.DEFAULT, small.alloc());
      assertNotSame(ByteBufAllocator.DEFAULT, large.alloc());
    } finally {
      small.release();
      large.release();
    }
  }
}
