import {
  INTERMEDIATE_DISPLAY_NAME,
  REQUEST_MESSAGE_TYPE,
  RESPONSE_MESSAGE_TYPE,
  type ChatAttribution,
  type GraphConversation,
} from '@oboe/contracts'
import { describe, expect, it } from 'vitest'
import { SnapshotsToDeltas } from './snapshots-to-deltas.ts'

const cite = (n: number): ChatAttribution => ({
  attributionType: 'citation',
  attributionSource: 'grounding',
  providerDisplayName: `Doc ${n}`,
  seeMoreWebUrl: `https://contoso.sharepoint.com/doc${n}.docx`,
})

const intermediate = (text: string | undefined, attributions: ChatAttribution[] = []) =>
  ({
    id: 'c1',
    displayName: INTERMEDIATE_DISPLAY_NAME,
    state: 'active',
    turnCount: 0,
    messages:
      text === undefined
        ? []
        : [{ '@odata.type': RESPONSE_MESSAGE_TYPE, id: 'm1', text, attributions }],
  }) satisfies GraphConversation

const final = (text: string, attributions: ChatAttribution[]) =>
  ({
    id: 'c1',
    displayName: 'What about watering?',
    state: 'active',
    turnCount: 3,
    messages: [
      { '@odata.type': REQUEST_MESSAGE_TYPE, id: 'p1', text: 'What about watering?' },
      { '@odata.type': RESPONSE_MESSAGE_TYPE, id: 'm1', text, attributions },
    ],
  }) satisfies GraphConversation

describe('SnapshotsToDeltas', () => {
  it('sends only the new text of each cumulative snapshot, so the deltas add up to the final text', () => {
    const deltas = new SnapshotsToDeltas()
    const answer = 'Water early [^1^] and use drip lines [^2^].'
    const events = [
      intermediate(undefined),
      intermediate('Water early '),
      intermediate('Water early [^1^] and', [cite(1)]),
      intermediate(undefined),
      intermediate('Water early [^1^] and use drip lines [^2^].', [cite(1), cite(2)]),
      final(answer, [cite(1), cite(2)]),
    ].flatMap((s) => deltas.push(s))
    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('')
    expect(text).toBe(answer)
    expect(events.filter((e) => e.type === 'delta').map((e) => e.text)).toEqual([
      'Water early ',
      '[^1^] and',
      ' use drip lines [^2^].',
    ])
    expect(events.filter((e) => e.type === 'citation')).toEqual([
      { type: 'citation', number: 1, attribution: cite(1) },
      { type: 'citation', number: 2, attribution: cite(2) },
    ])
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      conversationId: 'c1',
      turnCount: 3,
      displayName: 'What about watering?',
      message: { id: 'm1', text: answer },
    })
    expect(deltas.done).toBe(true)
  })

  it('sends nothing for keep-alives, and nothing after the final event', () => {
    const deltas = new SnapshotsToDeltas()
    expect(deltas.push(intermediate(undefined))).toEqual([])
    deltas.push(final('Done.', []))
    expect(deltas.push(intermediate('More?'))).toEqual([])
  })

  it('does not resend rewritten text; the final event brings only what is beyond what was sent', () => {
    const deltas = new SnapshotsToDeltas()
    const events = [
      intermediate('The answer is four'),
      intermediate('The answer is 4'),
      final('The answer is four, really.', []),
    ].flatMap((s) => deltas.push(s))
    expect(events.filter((e) => e.type === 'delta').map((e) => e.text)).toEqual([
      'The answer is four',
      ', really.',
    ])
  })
})
