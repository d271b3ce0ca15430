/**
 * gRPC on a unix socket, serving the same {@link dev.transferd.ttrpc.ServiceDefinition}s as ttrpc:
 * {@link dev.transferd.plugin.grpc.GrpcServiceBridge} turns a definition into a grpc-java service
 * (method descriptors and protobuf marshallers built at run time, no code generation), and {@link
 * dev.transferd.plugin.grpc.GrpcServer} listens. containerd reaches its proxy plugins over gRPC
 * only, which is what this package is for.
 */
package dev.transferd.plugin.grpc;
