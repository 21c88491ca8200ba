#!/usr/bin/env python3
"""Call a civhub hub's public gRPC API without its protos, like grpcurl.

The hub serves gRPC server reflection: this client asks it for the
descriptors of its services, builds the request from JSON and prints each
reply as JSON (the protobuf JSON mapping, docs/api.md). Needs only Debian's
python3-grpcio and python3-protobuf:

    sudo apt-get install python3-grpcio python3-protobuf
    python3 examples/python/civhub_call.py 127.0.0.1:7340 list
    python3 examples/python/civhub_call.py 127.0.0.1:7340 \\
        civhub.v1.Directory/Search '{"text": "agua"}'
    python3 examples/python/civhub_call.py 127.0.0.1:7340 \\
        civhub.v1.Directory/Watch '{"afterCursor": 0}' --until-caught-up

Add --tls (with --ca FILE for a private CA) for a hub started with
--tls-cert. Exit status: 0 ok, 1 the call failed, 2 usage (a wrong
method, service or request).
"""

import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import json_format
from google.protobuf import message_factory

REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def message_class(descriptor):
    """The generated class of a message descriptor (protobuf 3.x and 4.x)."""
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(descriptor.file.pool).GetPrototype(
        descriptor)


def reflection_messages():
    """ServerReflectionRequest/Response classes, from their descriptor.

    Debian packages no grpc_reflection module, so the few fields used here
    (grpc/reflection/v1alpha/reflection.proto) are declared by hand.
    """
    f = descriptor_pb2.FileDescriptorProto()
    f.name = "civhub_call_reflection.proto"
    f.package = "grpc.reflection.v1alpha"
    f.syntax = "proto3"
    string = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
    byts = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
    msg = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
    repeated = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL

    def message(name, fields):
        m = f.message_type.add()
        m.name = name
        for number, (field, kind, label, type_name) in fields.items():
            d = m.field.add()
            d.name, d.number, d.type, d.label = field, number, kind, label
            if type_name:
                d.type_name = ".grpc.reflection.v1alpha." + type_name

    message("ServerReflectionRequest", {
        1: ("host", string, optional, None),
        3: ("file_by_filename", string, optional, None),
        4: ("file_containing_symbol", string, optional, None),
        7: ("list_services", string, optional, None),
    })
    message("FileDescriptorResponse",
            {1: ("file_descriptor_proto", byts, repeated, None)})
    message("ServiceResponse", {1: ("name", string, optional, None)})
    message("ListServiceResponse",
            {1: ("service", msg, repeated, "ServiceResponse")})
    message("ErrorResponse", {2: ("error_message", string, optional, None)})
    message("ServerReflectionResponse", {
        4: ("file_descriptor_response", msg, optional,
            "FileDescriptorResponse"),
        6: ("list_services_response", msg, optional, "ListServiceResponse"),
        7: ("error_response", msg, optional, "ErrorResponse"),
    })
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return tuple(
        message_class(pool.FindMessageTypeByName(
            "grpc.reflection.v1alpha." + name))
        for name in ("ServerReflectionRequest", "ServerReflectionResponse"))


class Reflection:
    """One reflection stream's worth of questions, asked one at a time."""

    def __init__(self, channel):
        self.request, self.response = reflection_messages()
        self.call = channel.stream_stream(
            REFLECTION,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=self.response.FromString)

    def ask(self, **field):
        reply = next(self.call(iter([self.request(**field)]), timeout=30))
        if reply.HasField("error_response"):
            raise LookupError(reply.error_response.error_message)
        return reply

    def services(self):
        reply = self.ask(list_services="*")
        return [s.name for s in reply.list_services_response.service]

    def pool_for(self, symbol):
        """A DescriptorPool holding `symbol`'s file and its imports."""
        pool = descriptor_pool.DescriptorPool()
        files = {}
        pending = [("symbol", symbol)]
        while pending:
            kind, name = pending.pop()
            if kind == "symbol":
                reply = self.ask(file_containing_symbol=name)
            else:
                reply = self.ask(file_by_filename=name)
            for raw in reply.file_descriptor_response.file_descriptor_proto:
                proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
                if proto.name in files:
                    continue
                files[proto.name] = proto
                pending.extend(("file", dep) for dep in proto.dependency
                               if dep not in files)
        added = set()

        def add(name):  # Dependencies first, as the pool requires.
            if name in added:
                return
            for dep in files[name].dependency:
                add(dep)
            pool.Add(files[name])
            added.add(name)

        for name in files:
            add(name)
        return pool


def main():
    parser = argparse.ArgumentParser(
        description="Call a civhub hub's public gRPC API (through server "
        "reflection, without its protos).")
    parser.add_argument("address", help="HOST:PORT of the hub's public port")
    parser.add_argument("method",
                        help="`list`, or SERVICE/METHOD such as "
                        "civhub.v1.Directory/Search")
    parser.add_argument("request", nargs="?", default="{}",
                        help="the request as JSON (default {})")
    parser.add_argument("--tls", action="store_true",
                        help="the hub serves TLS (civhubd --tls-cert)")
    parser.add_argument("--ca", help="PEM file of the CA that signed it")
    parser.add_argument("--until-caught-up", action="store_true",
                        help="end a Watch stream once the backlog is sent")
    args = parser.parse_args()

    if args.tls:
        ca = open(args.ca, "rb").read() if args.ca else None
        channel = grpc.secure_channel(args.address,
                                      grpc.ssl_channel_credentials(ca))
    else:
        channel = grpc.insecure_channel(args.address)
    reflection = Reflection(channel)
    try:
        if args.method == "list":
            for name in sorted(reflection.services()):
                print(name)
            return 0
        service_name, _, method_name = args.method.rpartition("/")
        if not service_name:
            parser.error(f"{args.method}: expected SERVICE/METHOD")
        pool = reflection.pool_for(service_name)
    except grpc.RpcError as e:
        print(f"civhub_call: {args.address}: {e.code().name}: {e.details()}",
              file=sys.stderr)
        return 1
    except LookupError as e:
        parser.error(f"{args.method}: {e}")
    service = pool.FindServiceByName(service_name)
    method = service.methods_by_name.get(method_name)
    if method is None:
        names = ", ".join(sorted(service.methods_by_name))
        parser.error(f"{service_name} has no method {method_name} "
                     f"(it has {names})")
    request_class = message_class(method.input_type)
    reply_class = message_class(method.output_type)
    try:
        request = json_format.Parse(args.request, request_class())
    except json_format.ParseError as e:
        parser.error(f"request: {e}")
    path = f"/{service_name}/{method_name}"
    serialize = request_class.SerializeToString
    if method.server_streaming:
        call = channel.unary_stream(path, request_serializer=serialize,
                                    response_deserializer=reply_class.FromString)
    else:
        call = channel.unary_unary(path, request_serializer=serialize,
                                   response_deserializer=reply_class.FromString)
    try:
        if method.server_streaming:
            stream = call(request)
            for reply in stream:
                print(json_format.MessageToJson(reply, indent=None), flush=True)
                if args.until_caught_up and getattr(reply, "caught_up", False):
                    stream.cancel()
                    break
        else:
            print(json_format.MessageToJson(call(request, timeout=30),
                                            indent=1))
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.CANCELLED and args.until_caught_up:
            return 0
        print(f"civhub_call: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
