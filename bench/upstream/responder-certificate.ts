import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * A self-signed certificate for the fixed responder (graph-responder.ts) on 127.0.0.1, written
 * into `dir`; its clients trust it explicitly (NODE_EXTRA_CA_CERTS), never by turning TLS
 * verification off.
 */
export function responderCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'responder-key.pem')
  const cert = join(dir, 'responder-cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { key, cert }
}
