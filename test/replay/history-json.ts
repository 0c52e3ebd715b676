import { createRequire } from 'node:module';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils.js';

// History JSON (`temporal workflow show --output json`, the UI's download) to the History the
// replayer takes. The SDK's historyFromJSON fails with "type must be a Type" when npm installs
// protobufjs twice, under @temporalio/common and under @temporalio/proto (as this lock file
// does): it checks the message type with instanceof against the other copy. Then the copy
// @temporalio/proto's types were built with does the same conversion.

const require = createRequire(import.meta.url);

function viaProtoPackage(json: unknown): History {
  const proto = require('@temporalio/proto') as object;
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot: (root: object) => { lookupType(name: string): unknown } };
  const own = createRequire(require.resolve('@temporalio/proto'));
  const { fromJson } = own('protobufjs/ext/protojson') as { fromJson: (type: unknown, json: unknown, opts: object) => History };
  // Unknown fields come from newer servers; they do not matter to replay.
  return fromJson(patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History'), json, { ignoreUnknownFields: true });
}

export function historyFromJson(json: unknown): History {
  try {
    return historyFromJSON(json);
  } catch (err) {
    if (!(err instanceof TypeError) || !/must be a Type/.test(err.message)) throw err;
    return viaProtoPackage(json);
  }
}
