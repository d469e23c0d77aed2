//! Arrow IPC stream writing (one IPC stream per payload type).
