// X-Ray filter expressions, as far as the devkit itself writes them (`npm run traces`, `npm run verify`), evaluated on
// a trace summary: service("name") (a * in the name matches any characters), the flags fault, error, throttle and ok
// (alone, or `= true` / `= false`), joined by AND, OR, NOT and parentheses. Anything else is refused with a line
// saying what is understood, so the dev server never answers a query it did not evaluate.

export type SummaryFilter = (summary: Record<string, unknown>) => boolean;

const FLAGS: Record<string, (summary: Record<string, unknown>) => boolean> = {
  fault: (summary) => summary.HasFault === true,
  error: (summary) => summary.HasError === true,
  throttle: (summary) => summary.HasThrottle === true,
  ok: (summary) => summary.HasFault !== true && summary.HasError !== true && summary.HasThrottle !== true,
};

const UNDERSTOOD = 'service("name"), fault, error, throttle and ok (alone or = true / = false), with AND, OR, NOT and parentheses';

type Token = { kind: 'word' | 'string' | 'symbol'; text: string };

function tokenize(expression: string): Token[] | string {
  const tokens: Token[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_.]*)|(!=|[()=]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(expression);
    if (!match) return `cannot read the filter expression from "${expression.slice(at).trim().slice(0, 20)}"`;
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].replace(/\\(.)/g, '$1') });
    else if (match[2] !== undefined) tokens.push({ kind: 'word', text: match[2] });
    else tokens.push({ kind: 'symbol', text: match[3]! });
  }
  return tokens;
}

/** The expression as a test on a summary, or why it cannot be evaluated here. */
export function compileFilter(expression: string): SummaryFilter | string {
  const tokens = tokenize(expression);
  if (typeof tokens === 'string') return `${tokens}: the dev server evaluates ${UNDERSTOOD}`;
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.text.toUpperCase() === word;
  const expect = (text: string) => {
    if (peek()?.text !== text) throw new Error(`expected ${text} at "${peek()?.text ?? 'the end'}"`);
    position += 1;
  };

  const primary = (): SummaryFilter => {
    const token = peek();
    if (token?.text === '(' && token.kind === 'symbol') {
      position += 1;
      const inner = or();
      expect(')');
      return inner;
    }
    if (token?.kind === 'word' && token.text === 'service') {
      position += 1;
      expect('(');
      const name = peek();
      if (name?.kind !== 'string') throw new Error('service() takes a quoted name');
      position += 1;
      expect(')');
      const pattern = new RegExp(`^${name.text.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 's');
      return (summary) =>
        ((summary.ServiceIds as { Name?: string; Names?: string[] }[] | undefined) ?? []).some((service) =>
          [service.Name, ...(service.Names ?? [])].some((candidate) => candidate !== undefined && pattern.test(candidate)),
        );
    }
    if (token?.kind === 'word' && FLAGS[token.text]) {
      position += 1;
      const flag = FLAGS[token.text]!;
      const operator = peek();
      if (operator?.kind === 'symbol' && (operator.text === '=' || operator.text === '!=')) {
        position += 1;
        const value = peek();
        if (!isWord(value, 'TRUE') && !isWord(value, 'FALSE')) throw new Error(`${token.text} compares with true or false`);
        position += 1;
        const wanted = isWord(value, 'TRUE') === (operator.text === '=');
        return (summary) => flag(summary) === wanted;
      }
      return flag;
    }
    throw new Error(`"${token?.text ?? 'the end'}" is not understood`);
  };
  const not = (): SummaryFilter => {
    if (isWord(peek(), 'NOT') || peek()?.text === '!') {
      position += 1;
      const inner = not();
      return (summary) => !inner(summary);
    }
    return primary();
  };
  const and = (): SummaryFilter => {
    let left = not();
    while (isWord(peek(), 'AND')) {
      position += 1;
      const [a, b] = [left, not()];
      left = (summary) => a(summary) && b(summary);
    }
    return left;
  };
  const or = (): SummaryFilter => {
    let left = and();
    while (isWord(peek(), 'OR')) {
      position += 1;
      const [a, b] = [left, and()];
      left = (summary) => a(summary) || b(summary);
    }
    return left;
  };
  try {
    if (tokens.length === 0) return () => true;
    const filter = or();
    if (position < tokens.length) throw new Error(`"${peek()!.text}" is not understood`);
    return filter;
  } catch (error) {
    return `Filter expression ${JSON.stringify(expression)}: ${(error as Error).message}; the dev server evaluates ${UNDERSTOOD}`;
  }
}
