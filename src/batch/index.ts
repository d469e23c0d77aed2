export { TelemetryBatch, type BatchConversions, type BatchForm, type BatchOptions, type OtapArrowPayload } from './telemetry-batch.js';
