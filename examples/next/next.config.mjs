import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(import.meta.url)

/** @type {import('next').NextConfig} */
export default {
  // keycard loads its native addon (or its fallback) at run time: required by Node, not bundled.
  // In an app, where keycard is in node_modules, this line is all the configuration it needs
  // (with Turbopack, Next 16's default, or webpack); the rest of this file is for this repository.
  serverExternalPackages: ['keycard'],
  // This example lives inside the keycard repository and uses its node_modules.
  outputFileTracingRoot: root,
  // Here keycard is this repository itself, which Next does not see as a package: its imports
  // are kept external by hand, as the files they resolve to (built with `next build --webpack`).
  webpack(config, { isServer }) {
    if (isServer) {
      const keycard = ({ request }, callback) =>
        request === 'keycard' || request?.startsWith('keycard/')
          ? callback(null, `commonjs ${require.resolve(request)}`)
          : callback()
      config.externals = [keycard, ...[config.externals ?? []].flat()]
    }
    return config
  },
}
