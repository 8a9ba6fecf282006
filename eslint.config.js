import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/node_modules/**', '.parley-node/**', 'coverage/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // src/core is platform-free: no Node builtins, no browser extension APIs, nothing else of ours.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'src/core is platform-free.' },
          // Globs cannot tell src/content from src/core/content; test/core/boundary.test.ts
          // resolves every relative import of src/core and checks it stays inside.
          { group: ['**/background/**', '**/node/**', '**/popup/**', '**/inpage/**', '**/sdk/**', '**/cli/**', '**/agent/**'], message: 'src/core imports nothing else of ours.' },
        ],
      }],
      'no-restricted-globals': ['error', 'chrome', 'browser', 'process', 'Buffer'],
    },
  },
  {
    // The SDK example is plain JavaScript as an outside developer writes it: a page and a server.
    files: ['examples/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['examples/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
