import { describe, expect, it } from 'vitest'
import { SingleFlight } from './single-flight.ts'

describe('SingleFlight', () => {
  it('runs one call for concurrent callers of a key and forgets it when settled', async () => {
    const flights = new SingleFlight<number>()
    let calls = 0
    const load = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 10))
      return calls
    }
    const results = await Promise.all(Array.from({ length: 100 }, () => flights.run('k', load)))
    expect(new Set(results)).toEqual(new Set([1]))
    expect(flights.size).toBe(0)
    await flights.run('k', load)
    expect(calls).toBe(2)
  })

  it('does not remember a failure', async () => {
    const flights = new SingleFlight<number>()
    await expect(flights.run('k', async () => Promise.reject(new Error('x')))).rejects.toThrow('x')
    await expect(flights.run('k', async () => 1)).resolves.toBe(1)
  })
})
