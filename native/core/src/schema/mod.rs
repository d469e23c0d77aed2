//! OTAP table prototypes.
