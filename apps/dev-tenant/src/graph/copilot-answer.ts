import type { ChatAttribution, ChatSensitivityLabel } from '@oboe/contracts'
import type { DevTenantContext } from '../context.ts'
import type { UserState } from '../tenant/directory.ts'
import type { CorpusDocument } from '../tenant/schema.ts'
import type { ScoredDocument } from './retrieval-index.ts'
import { termsOf } from './text-analysis.ts'

/** Copilot's answer to one prompt: text with `[^n^]` markers, their attributions, the label. */
export interface ComposedAnswer {
  text: string
  attributions: ChatAttribution[]
  /** The most restrictive label of the cited documents; absent when none is labelled. */
  sensitivityLabel?: ChatSensitivityLabel
}

/** At most this many documents are cited, and only those scoring this share of the best. */
const MAX_CITATIONS = 3
const MIN_SHARE_OF_BEST = 0.12

/** The sentence of a document that shares most terms with the prompt. */
function bestSentence(doc: CorpusDocument, promptTerms: Set<string>): string {
  const sentences = doc.content
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20)
  let best = sentences[0] ?? doc.title
  let bestScore = -1
  for (const sentence of sentences) {
    const score = termsOf(sentence).filter((t) => promptTerms.has(t)).length
    if (score > bestScore) {
      best = sentence
      bestScore = score
    }
  }
  return best
}

/**
 * Grounds an answer in the documents the user may read (SharePoint and OneDrive, ranked by the
 * retrieval index): one line per cited document, each with an entity tag and a citation marker
 * matching its attribution, as Copilot's answers do.
 */
export function composeAnswer(
  ctx: DevTenantContext,
  user: UserState,
  prompt: string,
): ComposedAnswer {
  const readable = (hits: ScoredDocument[]) =>
    hits.filter((h) => ctx.directory.canRead(user, h.doc))
  const ranked = [
    ...readable(ctx.index.search('sharePoint', prompt)),
    ...readable(ctx.index.search('oneDriveBusiness', prompt)),
  ].sort((a, b) => b.score - a.score)
  const best = ranked[0]?.score ?? 0
  const cited = ranked.filter((h) => h.score >= best * MIN_SHARE_OF_BEST).slice(0, MAX_CITATIONS)
  if (cited.length === 0) {
    return {
      text: "I couldn't find anything about that in the files and sites you can access.",
      attributions: [],
    }
  }
  const promptTerms = new Set(termsOf(prompt))
  const lines = cited.map(
    (h, i) => `- <File>${h.doc.title}</File>: ${bestSentence(h.doc, promptTerms)} [^${i + 1}^]`,
  )
  const text = `Here is what I found in your organization's files.\n\n${lines.join('\n')}`
  const attributions: ChatAttribution[] = cited.map((h) => ({
    attributionType: 'citation',
    attributionSource: 'grounding',
    providerDisplayName: h.doc.title,
    seeMoreWebUrl: h.doc.webUrl,
    imageWebUrl: '',
    imageFavIcon: '',
    imageWidth: 0,
    imageHeight: 0,
  }))
  const labels = cited
    .map((h) => ctx.directory.file.sensitivityLabels.find((l) => l.id === h.doc.sensitivityLabelId))
    .filter((l) => l !== undefined)
    .sort((a, b) => b.priority - a.priority)
  const label = labels[0]
  return {
    text,
    attributions,
    ...(label && {
      sensitivityLabel: {
        sensitivityLabelId: label.id,
        displayName: label.displayName,
        tooltip: label.tooltip,
        priority: label.priority,
        color: label.color,
        isEncrypted: false,
      },
    }),
  }
}
