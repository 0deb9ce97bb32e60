// The automerge-repo reference sync server, set up as automerge-repo-sync-server sets it up: a
// Repo with the WebSocket server adapter and the Node file-system storage, announcing nothing
// of its own accord (sharePolicy false). Run by bureau/benches/scale.rs as its own process so
// that its CPU time and peak memory are read from /proc for this process alone.
//
//   node server.mjs PORT STORAGE_DIR      (prints "listening" once it accepts connections)
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [port, dir] = process.argv.slice(2)
if (!port || !dir) {
  console.error("usage: node server.mjs PORT STORAGE_DIR")
  process.exit(2)
}
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(port) })
new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "storage-server-bench",
  sharePolicy: async () => false,
})
wss.on("listening", () => console.log("listening"))
