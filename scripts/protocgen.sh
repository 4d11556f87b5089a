#!/usr/bin/env bash
# Regenerates the Go code of proto/ without the buf registry: protoc plus the four plugins, pinned in
# tools/go.mod. The gogo step writes x/subnet/types; the pulsar step writes api/ (protoreflect types
# for app wiring and autocli). Both read the same files, so the two registries agree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v protoc >/dev/null || [ ! -f /usr/include/google/protobuf/descriptor.proto ]; then
  echo "protoc and the well-known protos are needed: apt-get install -y protobuf-compiler libprotobuf-dev" >&2
  exit 1
fi

bin="$root/.bin"
(cd tools && GOBIN="$bin" go install tool)
export PATH="$bin:$PATH"

moddir() { go list -m -f '{{.Dir}}' "$1"; }
sdk=$(moddir github.com/cosmos/cosmos-sdk)
gogo=$(moddir github.com/cosmos/gogoproto)
cproto=$(moddir github.com/cosmos/cosmos-proto)
gateway=$(cd tools && go list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway)
includes=(-I proto -I "$sdk/proto" -I "$gogo" -I "$cproto/proto" -I "$gateway/third_party/googleapis" -I /usr/include)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

v1=(proto/gotensor/subnet/v1/*.proto)
protoc "${includes[@]}" \
  --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$out" \
  --grpc-gateway_out=logtostderr=true,allow_colon_final_segments=true:"$out" \
  "${v1[@]}"
rm -f x/subnet/types/*.pb.go x/subnet/types/*.pb.gw.go
cp "$out"/github.com/gotensor/gotensor/x/subnet/types/* x/subnet/types/

# Pulsar: map each of our files, and the SDK's option files, to their Go packages.
m=""
for f in "${v1[@]}"; do m+="M${f#proto/}=github.com/gotensor/gotensor/api/subnet/v1;subnetv1,"; done
m+="Mgotensor/subnet/module/v1/module.proto=github.com/gotensor/gotensor/api/subnet/module/v1;modulev1,"
m+="Mcosmos/msg/v1/msg.proto=cosmossdk.io/api/cosmos/msg/v1;msgv1,"
m+="Mcosmos/app/v1alpha1/module.proto=cosmossdk.io/api/cosmos/app/v1alpha1;appv1alpha1,"
m+="Mamino/amino.proto=cosmossdk.io/api/amino;amino,"
m+="Mgogoproto/gogo.proto=github.com/cosmos/gogoproto/gogoproto,"
m+="Mcosmos_proto/cosmos.proto=github.com/cosmos/cosmos-proto,"
m+="Mgoogle/api/annotations.proto=google.golang.org/genproto/googleapis/api/annotations,"
m+="Mgoogle/api/http.proto=google.golang.org/genproto/googleapis/api/annotations"
rm -rf "$out"/github.com
protoc "${includes[@]}" \
  --go-pulsar_out="${m}":"$out" --go-grpc_out="${m}":"$out" \
  "${v1[@]}" proto/gotensor/subnet/module/v1/module.proto
rm -rf api
mkdir -p api
cp -r "$out"/github.com/gotensor/gotensor/api/* api/
echo "generated x/subnet/types and api/"
