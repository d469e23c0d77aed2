// OTLP/HTTP receiver plugin (see otlp-http.ts): `new OtapReceiver({ httpPort, otlpHttp: otlpHttp() }, consume)`.
export { encodeStatus, httpStatusOf, otlpHttp, startOtlpHttpServer, type OtlpHttpOptions, type OtlpHttpStats } from './otlp-http.js';
