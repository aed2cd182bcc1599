// `npm run build`: the server (build:server), then the console (build:console) when the project has one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { scripts = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const npm = process.env.npm_execpath;
const run = (script) =>
  npm ? execFileSync(process.execPath, [npm, 'run', script], { stdio: 'inherit' }) : execFileSync('npm', ['run', script], { stdio: 'inherit' });
run('build:server');
if (scripts['build:console']) run('build:console');
