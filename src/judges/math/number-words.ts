/**
 * Numbers written in words or CJK numerals, rewritten as digits before parsing: "2万" → 20000, "1.5亿" → 150000000,
 * "三分之一" → \frac{1}{3}, "两百" → 200, "百分之三十" → 30\%, "2 million" → 2000000, "twenty-five" → 25,
 * "two thirds" → \frac{2}{3}. Exact: decimals times powers of ten are shifted as strings, never through floats.
 */

const CJK_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 贰: 2, 两: 2, 三: 3, 叁: 3, 四: 4, 肆: 4, 五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9 };
const CJK_SMALL: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const CJK_BIG: Record<string, bigint> = { 万: 10_000n, 萬: 10_000n, 亿: 100_000_000n, 億: 100_000_000n };
const POWER_OF_TEN: Record<string, number> = { 百: 2, 千: 3, 万: 4, 萬: 4, 十万: 5, 百万: 6, 千万: 7, 亿: 8, 億: 8, 万亿: 12, hundred: 2, thousand: 3, million: 6, billion: 9, trillion: 12 };

/** "1.5" × 10^k as an exact decimal string. */
export function shiftDecimal(num: string, k: number): string {
  const neg = num.startsWith('-');
  const [int, frac = ''] = num.replace(/^[+-]/, '').split('.');
  const digits = int + frac;
  const point = int.length + k;
  let out = point >= digits.length ? digits.padEnd(point, '0') : `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return (neg ? '-' : '') + out;
}

/** A run of CJK numerals (一千二百三十四, 两百, 十二, 三点五, 2万 is handled apart) → its value as a decimal string. */
export function cjkNumber(run: string): string | null {
  let sign = '';
  let s = run;
  if (s.startsWith('负')) {
    sign = '-';
    s = s.slice(1);
  }
  const [intPart, fracPart] = s.split('点');
  if (fracPart !== undefined) {
    if (!/^[零〇一二三四五六七八九]+$/.test(fracPart)) return null;
    const int = intPart === '' ? '0' : cjkInteger(intPart);
    if (int === null) return null;
    return `${sign}${int}.${[...fracPart].map((c) => CJK_DIGIT[c]).join('')}`;
  }
  const int = cjkInteger(s);
  return int === null ? null : sign + int;
}

function cjkInteger(s: string): string | null {
  if (s === '') return null;
  // A plain digit string: 二〇二四 → 2024.
  if ([...s].every((c) => c in CJK_DIGIT) && s.length > 1) return [...s].map((c) => CJK_DIGIT[c]).join('');
  let total = 0n;
  let section = 0n;
  let digit: number | null = null;
  for (const c of s) {
    if (c in CJK_DIGIT) {
      if (digit !== null && CJK_DIGIT[c] !== 0) return null; // two digits in a row: not a numeral
      digit = CJK_DIGIT[c];
    } else if (c in CJK_SMALL) {
      section += BigInt((digit ?? 1) * CJK_SMALL[c]);
      digit = null;
    } else if (c in CJK_BIG) {
      section += BigInt(digit ?? 0);
      total += (section === 0n ? 1n : section) * CJK_BIG[c];
      section = 0n;
      digit = null;
    } else return null;
  }
  section += BigInt(digit ?? 0);
  return (total + section).toString();
}

const CJK_RUN = '[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億点负]+';

/** Rewrite CJK numerals and digit-plus-multiplier forms inside an answer; other text is left as it is. */
export function rewriteCjkNumbers(text: string): string {
  if (!/[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億]/.test(text)) return text;
  let s = text;
  // 百分之三十 → 30%; 三分之一 → \frac{1}{3}; 2又三分之一 → 2 + 1/3 (mixed).
  s = s.replace(new RegExp(`百分之(${CJK_RUN}|\\d+(?:\\.\\d+)?)`, 'g'), (m, x: string) => {
    const v = /^\d/.test(x) ? x : cjkNumber(x);
    return v === null ? m : `${v}\\%`;
  });
  s = s.replace(new RegExp(`(${CJK_RUN}|\\d+)分之(${CJK_RUN}|\\d+)`, 'g'), (m, den: string, num: string) => {
    const d = /^\d/.test(den) ? den : cjkNumber(den);
    const n = /^\d/.test(num) ? num : cjkNumber(num);
    return d === null || n === null ? m : `\\frac{${n}}{${d}}`;
  });
  // 2万, 1.5亿, 3千万: digits times a power of ten.
  s = s.replace(/(\d+(?:\.\d+)?)\s*(万亿|十万|百万|千万|亿|億|万|萬|千|百)/g, (_m, x: string, mult: string) => shiftDecimal(x, POWER_OF_TEN[mult]));
  s = s.replace(new RegExp(CJK_RUN, 'g'), (run) => {
    if (run === '点' || run === '负') return run;
    return cjkNumber(run) ?? run;
  });
  return s;
}

const ONES: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINAL_DEN: Record<string, number> = { half: 2, halves: 2, third: 3, thirds: 3, quarter: 4, quarters: 4, fourth: 4, fourths: 4, fifth: 5, fifths: 5, sixth: 6, sixths: 6, seventh: 7, sevenths: 7, eighth: 8, eighths: 8, ninth: 9, ninths: 9, tenth: 10, tenths: 10 };

/** An English number phrase → integer string: "twenty-five", "one hundred and five", "three million two hundred". */
function englishInteger(words: string[]): string | null {
  if (words.length === 0) return null;
  let total = 0n;
  let group = 0n;
  let seen = false;
  for (const w of words) {
    if (w === 'and') continue;
    if (w in ONES) group += BigInt(ONES[w]);
    else if (w in TENS) group += BigInt(TENS[w]);
    else if (w === 'hundred') group = (group === 0n ? 1n : group) * 100n;
    else if (w === 'thousand' || w === 'million' || w === 'billion' || w === 'trillion') {
      total += (group === 0n ? 1n : group) * 10n ** BigInt(POWER_OF_TEN[w]);
      group = 0n;
    } else return null;
    seen = true;
  }
  return seen ? (total + group).toString() : null;
}

/**
 * A whole answer written as an English number: "2 million" → 2000000, "1.5 billion", "twenty-five", "two thirds" →
 * \frac{2}{3}, "a half", "negative three". Null when the answer is not just a number phrase.
 */
export function englishNumber(answer: string): string | null {
  const s = answer.trim().toLowerCase().replace(/[.!]$/, '').replace(/-/g, ' ').replace(/\s+/g, ' ');
  const digitsTimes = /^([+-]?\d+(?:\.\d+)?) (hundred|thousand|million|billion|trillion)$/.exec(s);
  if (digitsTimes) return shiftDecimal(digitsTimes[1], POWER_OF_TEN[digitsTimes[2]]);
  let words = s.split(' ');
  let sign = '';
  if (words[0] === 'negative' || words[0] === 'minus') {
    sign = '-';
    words = words.slice(1);
  }
  if (words.length === 0 || !words.every((w) => w in ONES || w in TENS || w in ORDINAL_DEN || ['hundred', 'thousand', 'million', 'billion', 'trillion', 'and', 'a', 'an'].includes(w))) return null;
  const last = words[words.length - 1];
  if (last in ORDINAL_DEN) {
    const head = words.slice(0, -1).filter((w) => w !== 'a' && w !== 'an');
    const num = head.length === 0 ? '1' : englishInteger(head);
    if (num === null) return null;
    return `${sign}\\frac{${num}}{${ORDINAL_DEN[last]}}`;
  }
  const int = englishInteger(words.filter((w) => w !== 'a' && w !== 'an'));
  return int === null ? null : sign + int;
}
