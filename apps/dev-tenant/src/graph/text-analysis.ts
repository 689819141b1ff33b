/** Words too common to say anything about relevance. */
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from has have how i if in into is it its me my of on or our should so than that the their them then there these they this to up us was we what when where which who why will with you your'.split(
    ' ',
  ),
)

/** A light English stemmer: enough for "watering" to meet "water" and "methods" to meet "method". */
export function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3)
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2)
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1)
  return word
}

/** MiniSearch's processTerm: lower-case, drop stop words, stem. */
export function processTerm(term: string): string | null {
  const t = term.toLowerCase()
  if (t.length < 2 || STOP_WORDS.has(t)) return null
  return stem(t)
}

/** The stemmed terms of a text, as the index sees them. */
export function termsOf(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}]+/u)
    .map(processTerm)
    .filter((t): t is string => t !== null)
}
