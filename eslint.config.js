// ESLint (flat config): type-aware typescript-eslint rules for what the compiler does not
// catch - promises nobody awaits or handles, promises passed where a plain value or a void
// callback is expected, and `any` flowing into typed code unchecked - no console output
// from library code, and UTF-8 decoded only by src/utf8-decoders.ts (which keeps a leading U+FEFF).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/**', 'wasm/**', '**/target/**', 'test/interop/go/**', 'test/interop/collector/**', 'test/otap/cbor-go/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      'no-restricted-syntax': ['error', {
        selector: "NewExpression:matches([callee.name='TextDecoder'], [callee.property.name='TextDecoder']):not([arguments.0.value='latin1'])",
        message: 'Decode UTF-8 with src/utf8-decoders.ts: a TextDecoder made with defaults strips a leading U+FEFF, and strings must round-trip unchanged.',
      }],
    },
  },
  {
    // Where the package's UTF-8 decoders are made.
    files: ['src/utf8-decoders.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The library logs through src/log only; the CLI prints to stdout and stderr.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
