// A real terminal for the tests that drive a program as a user does (tmux): what it shows, and typing.
import { execFileSync, spawnSync } from 'node:child_process';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `command` in a tmux session of its own, 200x50: what it shows, waiting for text, typing. The session stays until closed. */
export function terminal(command: string) {
  const session = `traced-api-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', `${command}; echo "EXIT:$?"; sleep 900`);
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', session, '-S', '-200');
  const waitFor = async (text: string | RegExp, timeout = 30_000) => {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const shown = screen();
      if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
      await sleep(100);
    }
    throw new Error(`the terminal never showed ${text}:\n${screen()}`);
  };
  const send = (key: string) => tmux('send-keys', '-t', session, ...(key === 'Enter' || key === 'Down' ? [key] : ['-l', key]));
  /** Once `question` shows: types the keys, and Enter unless they hold one. */
  const answer = async (question: string, ...keys: string[]) => {
    await waitFor(question);
    for (const key of keys) send(key);
    if (!keys.includes('Enter')) send('Enter');
    await sleep(150);
  };
  const close = () => spawnSync('tmux', ['kill-session', '-t', session]);
  return { screen, waitFor, send, answer, close };
}
