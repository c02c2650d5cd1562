/** An injected answer (app.inject's): its status and JSON body. */
interface InjectedAnswer {
  statusCode: number;
  json(): { detail?: unknown };
}

/**
 * The answers whose "<status> <detail>" does not match `expected`, as those lines: a burst of
 * requests asserted with `expect(unexpectedAnswers(...)).toEqual([])` shows what went wrong.
 */
export function unexpectedAnswers(answers: InjectedAnswer[], expected: RegExp): string[] {
  return answers
    .map((answer) => `${answer.statusCode} ${answer.json().detail}`)
    .filter((line) => !expected.test(line));
}
