// The client side of the automerge-repo measurement: imports the two-year document (the exact
// bytes bureau/benches/scale.rs exported), syncs it to the reference server, then on "go"
// (a line on stdin) applies the exported changes one at a time (each adds one application,
// the same change a bureau sync session carries) and waits after each until the server's
// sync state holds it, then lets the server's debounced save run before the next one.
//
//   node client.mjs ws://127.0.0.1:PORT DOCUMENT_FILE CHANGES_FILE SETTLE_MS
// CHANGES_FILE: each change as a 4-byte little-endian length and the change's bytes.
// Prints "ready" when the document is on the server, then "done <json>" with the ack times.
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import * as A from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, docFile, changesFile, settleArg] = process.argv.slice(2)
const settle = Number(settleArg ?? 200)
const sleep = ms => new Promise(r => setTimeout(r, ms))

const changes = []
const raw = readFileSync(changesFile)
for (let at = 0; at < raw.length; ) {
  const len = raw.readUInt32LE(at)
  changes.push(new Uint8Array(raw.subarray(at + 4, at + 4 + len)))
  at += 4 + len
}

const repo = new Repo({
  network: [new WebSocketClientAdapter(url)],
  peerId: "bench-client",
})
const handle = repo.import(new Uint8Array(readFileSync(docFile)))

// The server's storage id arrives with its peer metadata at the handshake.
async function serverStorageId() {
  for (let i = 0; i < 600; i++) {
    for (const meta of Object.values(repo.peerMetadataByPeerId)) {
      if (meta?.storageId && !meta.isEphemeral) return meta.storageId
    }
    await sleep(10)
  }
  throw new Error("the server never announced its storage")
}

const same = (a, b) => !!a && !!b && [...a].sort().join() === [...b].sort().join()

// Resolves when the server's last sync message says it has everything this client has.
function acked(storageId) {
  return new Promise((resolve, reject) => {
    const check = () => same(handle.getSyncInfo(storageId)?.lastHeads, handle.heads())
    if (check()) return resolve()
    const timer = setTimeout(() => reject(new Error("no acknowledgement in 30 s")), 30_000)
    const on = () => {
      if (check()) {
        clearTimeout(timer)
        handle.off("remote-heads", on)
        resolve()
      }
    }
    handle.on("remote-heads", on)
  })
}

const storageId = await serverStorageId()
await acked(storageId)
await sleep(settle * 2)
console.log("ready")

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line.trim() === "go") break
}
const times = []
for (const change of changes) {
  const started = performance.now()
  handle.update(doc => A.loadIncremental(doc, change))
  await acked(storageId)
  times.push(performance.now() - started)
  await sleep(settle)
}
console.log("done " + JSON.stringify({ changes: changes.length, ack_ms: times }))
process.exit(0)
