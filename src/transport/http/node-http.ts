// node:http and node:https, taken with process.getBuiltinModule rather than an ESM import.
// An ESM import of node:http copies every export into its namespace, which reads the lazy
// WebSocket / CloseEvent / MessageEvent getters and so loads undici: about 6 MiB of RSS in
// every process that imports this package, whether or not it ever speaks HTTP.
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
