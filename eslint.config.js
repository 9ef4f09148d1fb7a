// Lint is part of `npm test`: type-aware rules catch floating promises, which matter on the redirect and worker paths.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const platforms = {
  group: ['express', '@slack/*', 'discord.js', '@discordjs/*', 'bullmq', '**/bots/**', '**/http/**'],
  message: 'Domain code must not depend on a platform, the web layer or the queue library.',
};
// Table row types (snake_case columns) end in Row and stay in the domain, which maps them to domain types.
const rowTypes = {
  group: ['**/db/schema.ts', '**/db/tables/*'],
  importNamePattern: 'Row$',
  message: 'Rows stay in src/domain: use the domain type its functions return.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Tool configuration in CommonJS (dependency-cruiser reads .cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Input sanitising matches control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Migrations are typed against Kysely<any> by design: they are frozen and never see the live schema.
    files: ['migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Only the domain (with src/db and the secret store) talks SQL: jobs, routers, commands, bots and the CLI call
    // its functions, so every query of a feature is in one place. They read camelCase domain types, never table rows.
    files: ['src/**/*.ts', 'bots/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/domain/**', 'src/db/**', 'src/secrets/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]',
          message: 'Queries live in src/domain: call a domain function instead.',
        },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: 'Queries live in src/domain: call a domain function instead.' },
      ],
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [rowTypes] }],
    },
  },
  {
    // Domain, command core and cards know no platform, web framework or queue library.
    files: ['src/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [platforms] }] },
  },
  {
    files: ['src/commands/**/*.ts', 'src/cards/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [platforms, rowTypes] }] },
  },
);
