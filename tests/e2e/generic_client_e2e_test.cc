// A client that has none of civhub's protos: it discovers the services
// through server reflection, builds requests from the served descriptors,
// and checks a record's signature with the openssl command line tool, using
// only the byte layout documented in docs/api.md.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "crypto/keys.h"
#include "harness/hub_process.h"
#include "harness/reflection_client.grpc.pb.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

namespace refl = ::grpc::reflection::v1alpha;
using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;

TEST(GenericClientE2eTest, DiscoversServicesAndVerifiesARecordWithOpenssl) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start());
  ASSERT_EQ(
      hub.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")})
          .exit_code,
      0);

  auto channel = grpc::CreateChannel(hub.public_address(),
                                     grpc::InsecureChannelCredentials());
  auto reflection = refl::ServerReflection::NewStub(channel);
  grpc::ClientContext rctx;
  auto stream = reflection->ServerReflectionInfo(&rctx);

  refl::ServerReflectionRequest list;
  list.set_list_services("*");
  ASSERT_TRUE(stream->Write(list));
  refl::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::set<std::string> services;
  for (const auto& s : listed.list_services_response().service()) {
    services.insert(s.name());
  }
  EXPECT_TRUE(services.count("civhub.v1.Directory"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));
  EXPECT_FALSE(services.count("civhub.v1.Admin")) << "admin must not be public";

  refl::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("civhub.v1.Directory");
  ASSERT_TRUE(stream->Write(symbol));
  refl::ServerReflectionResponse files;
  ASSERT_TRUE(stream->Read(&files));
  google::protobuf::SimpleDescriptorDatabase db;
  for (const std::string& bytes :
       files.file_descriptor_response().file_descriptor_proto()) {
    FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    db.Add(file);
  }
  stream->WritesDone();
  rctx.TryCancel();

  DescriptorPool pool(&db);
  const auto* service = pool.FindServiceByName("civhub.v1.Directory");
  ASSERT_NE(service, nullptr);
  const auto* method = service->FindMethodByName("GetRecord");
  ASSERT_NE(method, nullptr);
  DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> request(
      factory.GetPrototype(method->input_type())->New());
  const auto* rd = method->input_type();
  request->GetReflection()->SetString(
      request.get(), rd->FindFieldByName("origin"), hub.hub_id());
  request->GetReflection()->SetString(
      request.get(), rd->FindFieldByName("record_id"), "maji-safi-kenya");
  std::string reply;
  grpc::Status st = GenericUnary(channel, "/civhub.v1.Directory/GetRecord",
                                 request->SerializeAsString(), &reply);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::unique_ptr<Message> record(
      factory.GetPrototype(method->output_type())->New());
  ASSERT_TRUE(record->ParseFromString(reply));
  const auto* out = method->output_type();
  EXPECT_EQ(record->GetReflection()->GetString(
                *record, out->FindFieldByName("record_id")),
            "maji-safi-kenya");
  const Message& signed_record = record->GetReflection()->GetMessage(
      *record, out->FindFieldByName("signed"));
  const auto* sd = signed_record.GetDescriptor();
  std::string body = signed_record.GetReflection()->GetString(
      signed_record, sd->FindFieldByName("body"));
  std::string signature = signed_record.GetReflection()->GetString(
      signed_record, sd->FindFieldByName("signature"));

  // Verify with openssl: message = "civhub.record.v1\0" || body, key = the
  // 32 bytes inside the hub id, wrapped in a standard SubjectPublicKeyInfo.
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromHubId(hub.hub_id());
  ASSERT_OK(key);
  std::string spki("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12);
  spki += key->bytes();
  std::ofstream(dir.Sub("pub.der"), std::ios::binary) << spki;
  std::ofstream(dir.Sub("msg"), std::ios::binary)
      << std::string("civhub.record.v1\0", 17) << body;
  std::ofstream(dir.Sub("sig"), std::ios::binary) << signature;
  RunResult verify =
      RunProgram({"/usr/bin/openssl", "pkeyutl", "-verify", "-pubin",
                  "-keyform", "DER", "-inkey", dir.Sub("pub.der"), "-rawin",
                  "-in", dir.Sub("msg"), "-sigfile", dir.Sub("sig")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_TRUE(absl::StrContains(verify.out, "Signature Verified Successfully"))
      << verify.out;
  // One flipped body byte and openssl refuses it.
  body[body.size() / 2] ^= 1;
  std::ofstream(dir.Sub("msg"), std::ios::binary)
      << std::string("civhub.record.v1\0", 17) << body;
  verify =
      RunProgram({"/usr/bin/openssl", "pkeyutl", "-verify", "-pubin",
                  "-keyform", "DER", "-inkey", dir.Sub("pub.der"), "-rawin",
                  "-in", dir.Sub("msg"), "-sigfile", dir.Sub("sig")});
  EXPECT_NE(verify.exit_code, 0);

  // The standard health service answers SERVING (status = 1).
  std::string health;
  st = GenericUnary(channel, "/grpc.health.v1.Health/Check", "", &health);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(health, std::string("\x08\x01", 2));
}

// README's client: examples/python/civhub_call.py, under Debian's python3
// with python3-grpcio and python3-protobuf (scripts/bootstrap).
TEST(GenericClientE2eTest, ThePythonExampleClientListsSearchesAndWatches) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start());
  ASSERT_EQ(
      hub.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")})
          .exit_code,
      0);
  auto call = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {"/usr/bin/python3", Example("python/civhub_call.py"),
                 hub.public_address()});
    return RunProgram(args);
  };
  RunResult list = call({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(absl::StrContains(list.out, "civhub.v1.Directory\n")) << list.out;

  RunResult search = call(
      {"civhub.v1.Directory/Search", R"({"text": "maji", "country": "KE"})"});
  ASSERT_EQ(search.exit_code, 0) << search.err;
  EXPECT_TRUE(
      absl::StrContains(search.out, "\"recordId\": \"maji-safi-kenya\""))
      << search.out;
  EXPECT_TRUE(absl::StrContains(search.out, "\"totalCount\": \"1\""))
      << search.out;

  RunResult watch =
      call({"civhub.v1.Directory/Watch", "{}", "--until-caught-up"});
  ASSERT_EQ(watch.exit_code, 0) << watch.err;
  EXPECT_TRUE(absl::StrContains(watch.out, "\"caughtUp\": true")) << watch.out;

  RunResult refused = call({"civhub.v1.Directory/Search", R"({"txt": "x"})"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(refused.err, "no field named \"txt\""))
      << refused.err;
  RunResult invalid =
      call({"civhub.v1.Directory/Search",
            R"({"near": {"latitude": 0, "longitude": 0, "radiusKm": 0}})"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_TRUE(
      absl::StrContains(invalid.err, "INVALID_ARGUMENT: near.radius_km"))
      << invalid.err;
}

// HealthCheckRequest{service}: field 1, length-delimited.
std::string HealthRequest(const std::string& service) {
  return std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
}

TEST(GenericClientE2eTest, HealthAnswersForTheDirectoryServiceByName) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start());
  auto public_channel = grpc::CreateChannel(hub.public_address(),
                                            grpc::InsecureChannelCredentials());
  auto admin_channel =
      grpc::CreateChannel("unix:" + hub.data_dir() + "/admin.sock",
                          grpc::InsecureChannelCredentials());
  struct Probe {
    std::shared_ptr<grpc::Channel> channel;
    std::string service;
  };
  for (const Probe& probe : {Probe{public_channel, "civhub.v1.Directory"},
                             Probe{admin_channel, "civhub.v1.Directory"},
                             Probe{admin_channel, "civhub.v1.Admin"}}) {
    std::string health;
    grpc::Status st =
        GenericUnary(probe.channel, "/grpc.health.v1.Health/Check",
                     HealthRequest(probe.service), &health);
    ASSERT_TRUE(st.ok()) << probe.service << ": " << st.error_message();
    EXPECT_EQ(health, std::string("\x08\x01", 2)) << probe.service;
  }
  // The admin service is not served publicly, so not reported there either.
  std::string health;
  grpc::Status st = GenericUnary(public_channel, "/grpc.health.v1.Health/Check",
                                 HealthRequest("civhub.v1.Admin"), &health);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

// Reflection is a synchronous service (a thread per open stream): one
// client may hold 4 streams; those beyond are cancelled within a second.
TEST(GenericClientE2eTest, ReflectionStreamsBeyondAClientsCapAreCancelled) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start());
  constexpr int kStreams = 6;
  struct Stream {
    std::unique_ptr<refl::ServerReflection::Stub> stub;
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReaderWriter<refl::ServerReflectionRequest,
                                             refl::ServerReflectionResponse>>
        rw;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    auto s = std::make_unique<Stream>();
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    s->stub = refl::ServerReflection::NewStub(grpc::CreateCustomChannel(
        hub.public_address(), grpc::InsecureChannelCredentials(), args));
    s->ctx.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
    s->rw = s->stub->ServerReflectionInfo(&s->ctx);
    refl::ServerReflectionRequest list;
    list.set_list_services("*");
    ASSERT_TRUE(s->rw->Write(list));
    refl::ServerReflectionResponse listed;
    ASSERT_TRUE(s->rw->Read(&listed)) << "stream " << i;
    streams.push_back(std::move(s));
  }
  // Then each stream idles: the newest two, over the cap, are cancelled by
  // the hub; the client's first 4 last until their deadline. Newest first:
  // a status the client has not asked for by its own deadline is reported
  // as DEADLINE_EXCEEDED, whatever the hub sent, so waiting on the first
  // four before asking the last two would make this a race on the client.
  int cancelled = 0, expired = 0;
  for (int i = kStreams - 1; i >= 0; --i) {
    Stream& s = *streams[i];
    refl::ServerReflectionResponse none;
    EXPECT_FALSE(s.rw->Read(&none));
    grpc::Status st = s.rw->Finish();
    if (i >= 4) {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED)
          << "stream " << i << ": " << st.error_message();
    } else {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
          << "stream " << i << ": " << st.error_message();
    }
    if (st.error_code() == grpc::StatusCode::CANCELLED) ++cancelled;
    if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++expired;
  }
  EXPECT_EQ(cancelled, kStreams - 4);
  EXPECT_EQ(expired, 4);
}

}  // namespace
}  // namespace civhub::testing
