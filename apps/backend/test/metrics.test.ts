import { describe, expect, it } from 'vitest'
import { createMetrics } from '../src/operations/metrics.ts'

/** The value of one exposition line, e.g. `name{labels} 3`. */
function valueOf(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

describe('metrics counted per request and handed to prom-client on scrape', () => {
  it('shows every count, cumulative across scrapes, with the histogram agreeing', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    for (let i = 0; i < 3; i++) metrics.countRequest('POST', '/v1/retrieval', 200, 0.004)
    metrics.countRequest('GET', '/v1/me', 401, 0.2)
    metrics.countTokenLookup(true)
    metrics.countTokenLookup(false)
    metrics.countGraphResponse('retrieval', 200)
    metrics.countGraphResponse('retrieval', 429)

    const first = await metrics.registry.metrics()
    const retrieval = '{method="POST",route="/v1/retrieval",status="200"}'
    expect(valueOf(first, `oboe_http_requests_total${retrieval}`)).toBe(3)
    expect(
      valueOf(first, 'oboe_http_requests_total{method="GET",route="/v1/me",status="401"}'),
    ).toBe(1)
    expect(valueOf(first, `oboe_http_request_duration_seconds_count${retrieval}`)).toBe(3)
    expect(
      valueOf(
        first,
        'oboe_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/retrieval",status="200"}',
      ),
    ).toBe(3)
    expect(valueOf(first, 'oboe_token_cache_lookups_total{result="hit"}')).toBe(1)
    expect(valueOf(first, 'oboe_token_cache_lookups_total{result="miss"}')).toBe(1)
    expect(valueOf(first, 'oboe_graph_responses_total{operation="retrieval",status="429"}')).toBe(1)

    for (let i = 0; i < 2; i++) metrics.countRequest('POST', '/v1/retrieval', 200, 0.004)
    metrics.countTokenLookup(true)
    const second = await metrics.registry.metrics()
    expect(valueOf(second, `oboe_http_requests_total${retrieval}`)).toBe(5)
    expect(valueOf(second, `oboe_http_request_duration_seconds_count${retrieval}`)).toBe(5)
    expect(valueOf(second, 'oboe_token_cache_lookups_total{result="hit"}')).toBe(2)
    expect(valueOf(second, 'oboe_token_cache_lookups_total{result="miss"}')).toBe(1)
    expect(valueOf(second, 'oboe_graph_responses_total{operation="retrieval",status="200"}')).toBe(
      1,
    )
  })
})
