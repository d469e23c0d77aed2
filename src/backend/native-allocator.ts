// The native addon allocates with mimalloc (native/napi). Its defaults suit long-running
// servers that keep their memory: freed pages are returned to the OS 10 ms late and arenas
// are committed eagerly, which in an `otap run` under load held about 30 MiB more peak RSS
// than glibc malloc for no CPU gained. mimalloc reads its options from the environment when
// the addon is loaded, so they are set here, before that, unless the user set them.

/** mimalloc options applied unless already in the environment. */
export const NATIVE_ALLOCATOR_DEFAULTS: Readonly<Record<string, string>> = {
  /** Return freed pages to the OS at once. */
  MIMALLOC_PURGE_DELAY: '0',
  /** Commit arena memory as it is used, not up front. */
  MIMALLOC_ARENA_EAGER_COMMIT: '0',
};

/** Sets each mimalloc option the environment does not already set. */
export function applyNativeAllocatorDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(NATIVE_ALLOCATOR_DEFAULTS)) env[name] ??= value;
}
