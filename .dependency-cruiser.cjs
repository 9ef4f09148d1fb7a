// The allowed directions between layers (ARCHITECTURE.md), checked by `npm test`: the domain knows no platform and
// builds no cards; cards know no platform; commands know no platform or transport; migrations are frozen in time.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // The layers, lowest first: none imports bots, jobs, process wiring or the layers listed above it.
    ...[
      [
        'domain-is-plain',
        'src/domain takes the database and plain data: no cards, commands, HTTP, CLI, platforms, jobs or process wiring.',
        'domain',
        'cards|commands|http|cli',
      ],
      ['cards-know-no-platform', 'Cards are neutral: renderers in bots/ turn them into Block Kit or Discord payloads.', 'cards', 'commands|http|cli'],
      ['commands-know-no-platform', 'One command implementation serves Slack and Discord.', 'commands', 'http|cli'],
    ].map(([name, comment, layer, above]) => ({
      name,
      comment,
      severity: 'error',
      from: { path: `^src/${layer}` },
      to: { path: `^(bots|jobs)/|^src/(${above})/|^src/(runtime|workers|main)\\.ts$` },
    })),
    {
      name: 'migrations-are-frozen',
      comment: 'A migration must run the same in a year: it never imports the code that changes.',
      severity: 'error',
      from: { path: '^migrations' },
      to: { path: '^(src|bots|jobs)/' },
    },
    // Domain features, lowest first: each may import the kernel (common, amazon, net), itself and the features
    // listed for it, never one above it, so no two features import each other. The digest, at the top, reads all.
    ...[
      ['common|amazon|net', ''],
      ['organisations', ''],
      ['catalogue|clicks|feeds', 'organisations'],
      ['links', 'organisations|catalogue|clicks'],
      ['storefront', 'organisations|catalogue|clicks|links'],
      ['earnings', 'organisations|catalogue|clicks|links'],
      ['notifications', 'organisations|catalogue|clicks|links|earnings'],
      ['ingest', 'organisations|catalogue|clicks|links|earnings|feeds|notifications'],
      ['workspaces', 'organisations|catalogue|clicks|links|earnings|feeds|storefront'],
    ].map(([features, below]) => ({
      name: `domain-features-one-way: ${features}`,
      comment: `src/domain/{${features}} may import the kernel${below ? ` and ${below.split('|').join(', ')}` : ''} only.`,
      severity: 'error',
      from: { path: `^src/domain/(${features})/` },
      to: { path: '^src/domain/', pathNot: `^src/domain/(common|amazon|net|$1${below ? `|${below}` : ''})/` },
    })),
    {
      name: 'domain-files-in-features',
      comment: 'Every domain module belongs to a feature folder (or the kernel: common, amazon, net).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/domain/[^/]+$' },
    },
    {
      name: 'no-circular',
      comment: 'Modules import in one direction.',
      severity: 'error',
      from: { path: '^(src|bots|jobs)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
  },
};
