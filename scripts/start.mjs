// `npm start`: the demo server, enforcing the issued credentials on AWS services through moto when
// moto_server is installed (`irsa serve --demo --backend moto`), and without a backend otherwise.
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      // not in this directory
    }
  }
  return false
}

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const args = ['serve', '--demo', ...process.argv.slice(2)]
if (onPath('moto_server')) args.push('--backend', 'moto')
else console.log("moto_server is not on PATH, so AWS service calls are not enforced (pip install 'moto[server]' to try the gateway demo)")
const child = spawn(process.execPath, [main, ...args], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
