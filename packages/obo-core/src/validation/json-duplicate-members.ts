/**
 * True when a JSON text (already known to parse) has two members of one object with the same
 * name. `JSON.parse` keeps the last silently, and two parsers may keep different ones; a token
 * must mean one thing. Hand-written: no maintained library reports duplicates without
 * re-implementing the whole parser, and this scan is linear with no recursion.
 *
 * @example
 * ```ts
 * hasDuplicateMembers('{"aud":"a","aud":"b"}') // true
 * ```
 */
export function hasDuplicateMembers(json: string): boolean {
  // One entry per open container: the member names seen so far, or null for an array.
  const stack: (Set<string> | null)[] = []
  let expectingName = false
  for (let i = 0; i < json.length; i++) {
    const c = json[i]
    if (c === '{') {
      stack.push(new Set())
      expectingName = true
    } else if (c === '[') {
      stack.push(null)
      expectingName = false
    } else if (c === '}' || c === ']') {
      stack.pop()
      expectingName = false
    } else if (c === ',') {
      expectingName = stack.at(-1) instanceof Set
    } else if (c === '"') {
      let end = i + 1
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1
      if (expectingName) {
        const names = stack.at(-1) as Set<string>
        const name = JSON.parse(json.slice(i, end + 1)) as string
        if (names.has(name)) return true
        names.add(name)
        expectingName = false
      }
      i = end
    }
  }
  return false
}
