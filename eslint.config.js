import js from '@eslint/js';
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
          { group: ['**/background/**', '**/node/**', '**/popup/**', '**/content/**', '**/inpage/**', '**/sdk/**', '**/cli/**'], message: 'src/core imports nothing else of ours.' },
        ],
      }],
      'no-restricted-globals': ['error', 'chrome', 'browser', 'process', 'Buffer'],
    },
  },
);
