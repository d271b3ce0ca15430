package dev.transferd.plugin.transfer;

/**
 * One cell of the {@link OperationTable}: what a source of type {@code S} and a destination of type
 * {@code D} make (pull, push, import, export, tag, echo). Runs on the Transfer call's handler
 * thread; an interrupt means the call was cancelled.
 */
@FunctionalInterface
interface TransferOperation<S extends Endpoint, D extends Endpoint> {
  void run(TransferContext context, S source, D destination) throws Exception;
}
