import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BackendConfig, parseConfig } from '@oboe/contracts'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'

// No cluster runs here: the manifests are parsed and each object is checked against the
// Kubernetes OpenAPI schema (kubernetes-models), then against what the backend needs.

const folder = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url))

interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; labels?: Record<string, string> }
  [key: string]: unknown
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
}

function validate(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`]
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`)
  new Model(object as never).validate()
}

const files = readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
const objects: K8sObject[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(folder, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`)
    return doc.toJS() as K8sObject
  }),
)
const find = <T = K8sObject>(kind: string, name = 'oboe-backend') =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined

interface Probe {
  httpGet: { path: string; port: string | number }
  failureThreshold?: number
  periodSeconds?: number
}
interface Container {
  ports: { name: string; containerPort: number }[]
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[]
  resources: { requests: Record<string, string>; limits?: Record<string, string> }
  livenessProbe: Probe
  readinessProbe: Probe
  startupProbe: Probe
}
interface DeploymentObject extends K8sObject {
  spec: {
    replicas: number
    selector: { matchLabels: Record<string, string> }
    template: {
      metadata: { labels: Record<string, string> }
      spec: { containers: Container[]; terminationGracePeriodSeconds: number }
    }
  }
}

describe('deploy/k8s', () => {
  it('parses into objects that each pass the Kubernetes schema', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
    for (const object of objects) expect(() => validate(object), object.kind).not.toThrow()
  })

  it('lists every manifest in its kustomization', () => {
    const kustomization = parseAllDocuments(
      readFileSync(join(folder, 'kustomization.yaml'), 'utf8'),
    )[0]!.toJS() as { resources: string[] }
    expect([...kustomization.resources].sort()).toEqual([...files].sort())
  })

  it('would catch a wrong type or a missing required field (the schema check is real)', () => {
    const deployment = find<DeploymentObject>('Deployment')!
    const wrongType = structuredClone(deployment)
    ;(wrongType.spec as Record<string, unknown>).replicas = 'three'
    expect(() => validate(wrongType)).toThrow(/replicas/)
    const noName = structuredClone(deployment)
    delete (noName.spec.template.spec.containers[0] as Partial<Container & { name: string }>).name
    expect(() => validate(noName)).toThrow(/name/)
  })

  it('probes readiness on /readyz, liveness on /healthz, with a start-up probe', () => {
    const container = find<DeploymentObject>('Deployment')!.spec.template.spec.containers[0]!
    expect(container.readinessProbe.httpGet.path).toBe('/readyz')
    expect(container.livenessProbe.httpGet.path).toBe('/healthz')
    expect(container.startupProbe.httpGet.path).toMatch(/^\/(readyz|healthz)$/)
    expect(
      (container.startupProbe.failureThreshold ?? 3) * (container.startupProbe.periodSeconds ?? 10),
    ).toBeGreaterThanOrEqual(30)
    const port = container.ports.find((p) => p.name === container.readinessProbe.httpGet.port)
    expect(port?.containerPort).toBe(
      Number(find<{ data: Record<string, string> }>('ConfigMap')!.data.PORT),
    )
  })

  it('requests resources and outlasts the backend drain on termination', () => {
    const deployment = find<DeploymentObject>('Deployment')!
    const container = deployment.spec.template.spec.containers[0]!
    expect(container.resources.requests.cpu).toBeTruthy()
    expect(container.resources.requests.memory).toBeTruthy()
    const delayMs = Number(
      find<{ data: Record<string, string> }>('ConfigMap')!.data.SHUTDOWN_DELAY_MS,
    )
    // 30 s: the backend's own grace for requests in flight (main.ts).
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      delayMs / 1000 + 30,
    )
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2)
  })

  it('selects the Deployment pods from the Service and the PodDisruptionBudget', () => {
    const labels = find<DeploymentObject>('Deployment')!.spec.template.metadata.labels
    const service = find<{ spec: { selector: Record<string, string> } }>('Service')!
    const pdb = find<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    )!
    for (const selector of [service.spec.selector, pdb.spec.selector.matchLabels]) {
      expect(Object.keys(selector).length).toBeGreaterThan(0)
      for (const [key, value] of Object.entries(selector)) expect(labels[key]).toBe(value)
    }
  })

  it('takes its environment from the ConfigMap and the Secret, which together make a valid configuration', () => {
    const container = find<DeploymentObject>('Deployment')!.spec.template.spec.containers[0]!
    const configMap = find<{ data: Record<string, string> }>('ConfigMap')!
    const secret = find<{ stringData: Record<string, string> }>('Secret')!
    expect(container.envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
      'oboe-backend',
      'oboe-backend',
    ])
    // Secrets stay out of the ConfigMap.
    for (const key of ['BACKEND_CLIENT_SECRET', 'TOKEN_CACHE_ENCRYPTION_KEY'])
      expect(Object.keys(configMap.data)).not.toContain(key)
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(['BACKEND_CLIENT_SECRET', 'TOKEN_CACHE_ENCRYPTION_KEY', 'REDIS_URL']),
    )
    // The placeholder key is refused; with a real one the whole environment parses.
    expect(() => parseConfig(BackendConfig, { ...configMap.data, ...secret.stringData })).toThrow(
      /TOKEN_CACHE_ENCRYPTION_KEY/,
    )
    const config = parseConfig(BackendConfig, {
      ...configMap.data,
      ...secret.stringData,
      TOKEN_CACHE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    })
    expect(config.HOST).toBe('0.0.0.0')
    expect(config.REDIS_URL).toMatch(/^rediss?:\/\//)
  })

  it('points at Redis as an external service', () => {
    const redis = find<{ spec: { type: string; externalName: string } }>('Service', 'redis')!
    expect(redis.spec.type).toBe('ExternalName')
  })
})
