// `npm run discord:register`: bulk-overwrites the application's slash commands with the ones built from the
// command core (PUT, so commands that no longer exist disappear and re-running changes nothing). Global by
// default; with DISCORD_GUILD_ID, only in that server (updates there are instant, handy while developing).
// REST only: no gateway connection is needed.
import { pathToFileURL } from 'node:url';
import { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadEnvFile } from '../../src/loadEnvFile.ts';
import { discordCommands } from './registration.ts';

export async function main(
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const appId = config.DISCORD_APPLICATION_ID;
  const token = config.DISCORD_BOT_TOKEN;
  if (!appId || !token) {
    err('Registering commands needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN.\n');
    return 1;
  }
  const body = discordCommands();
  const rest = new REST({ version: '10', ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}) }).setToken(token);
  const guild = config.DISCORD_GUILD_ID;
  const route = guild ? Routes.applicationGuildCommands(appId, guild) : Routes.applicationCommands(appId);
  try {
    const saved = (await rest.put(route, { body })) as Array<{ name: string }>;
    out(`Registered ${saved.length} commands (${saved.map((c) => `/${c.name}`).join(', ')}) ${guild ? `in server ${guild}` : 'globally'}.\n`);
    return 0;
  } catch (e) {
    err(`Discord refused the commands: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  loadEnvFile();
  process.exitCode = await main();
}
