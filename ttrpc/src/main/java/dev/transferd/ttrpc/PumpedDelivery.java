package dev.transferd.ttrpc;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * {@link StreamListener} delivery for a stream that can only be read with a blocking {@code
 * receive()} (a stream an interceptor has wrapped): a virtual thread receives and offers each
 * message, waiting for {@link #resume} while the listener refuses one. Slower than delivery on the
 * I/O thread by one hand-off per message, otherwise the same contract.
 */
final class PumpedDelivery<M> implements StreamListener.Delivery {
  private final Supplier<M> receive;
  private final StreamListener<M> listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition resumed = lock.newCondition();
  private boolean resumeRequested; // guarded by lock

  private PumpedDelivery(Supplier<M> receive, StreamListener<M> listener) {
    this.receive = receive;
    this.listener = listener;
  }

  /**
   * Starts delivering what {@code receive} returns (null: the clean end) to {@code listener}.
   *
   * @param name the pump thread's name
   */
  static <M> StreamListener.Delivery start(
      Supplier<M> receive, StreamListener<M> listener, String name) {
    PumpedDelivery<M> delivery = new PumpedDelivery<>(receive, listener);
    Thread.ofVirtual().name(name).start(delivery::pump);
    return delivery;
  }

  private void pump() {
    try {
      M message;
      while ((message = receive.get()) != null) {
        while (!listener.onMessage(message)) {
          awaitResume();
        }
      }
      listener.onEnd(Status.OK);
    } catch (TtrpcException e) {
      listener.onEnd(e.status());
    } catch (InterruptedException e) {
      listener.onEnd(Status.of(StatusCode.CANCELLED, "stream delivery interrupted"));
    } catch (RuntimeException e) {
      listener.onEnd(Status.fromThrowable(e));
    }
  }

  private void awaitResume() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!resumeRequested) {
        resumed.await();
      }
      resumeRequested = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void resume() {
    lock.lock();
    try {
      resumeRequested = true;
      resumed.signal();
    } finally {
      lock.unlock();
    }
  }
}
