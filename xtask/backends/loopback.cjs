// Preloaded (`node --require`) into a Node backend that listens on every interface: a
// listen given only a port, or every interface's address ("0.0.0.0", "::"), listens on
// 127.0.0.1; with ACCORD_LISTEN_PORT set, on that port (for a backend whose port is
// written in its source). The backend's own source is not changed.
const net = require("net");
const listen = net.Server.prototype.listen;
const everywhere = (host) => host === undefined || host === "0.0.0.0" || host === "::";
const port = (given) => (process.env.ACCORD_LISTEN_PORT ? Number(process.env.ACCORD_LISTEN_PORT) : given);
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    args[0] = port(args[0]);
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
    else if (everywhere(args[1])) args[1] = "127.0.0.1";
  } else if (args[0] && typeof args[0] === "object" && args[0].port !== undefined) {
    args[0] = { ...args[0], port: port(args[0].port) };
    if (everywhere(args[0].host)) args[0].host = "127.0.0.1";
  }
  return listen.apply(this, args);
};
