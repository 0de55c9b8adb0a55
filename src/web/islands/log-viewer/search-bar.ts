export interface SearchBar {
  element: HTMLElement;
  /** "3 of 17", "No matches", or nothing without a query. */
  showCount(current: number, total: number, query: string): void;
}

/** Typing waits this long before searching: 100,000 lines take a few ms, the redraw after each key more. */
const TYPING_MS = 120;

/** The search box: Enter or Next goes to the next match, Shift+Enter or Previous to the one before. */
export function createSearchBar(handlers: { onQuery(query: string): void; onStep(delta: 1 | -1): void }): SearchBar {
  const form = document.createElement('form');
  form.className = 'lv-search';
  form.setAttribute('role', 'search');
  const input = document.createElement('input');
  input.type = 'search';
  input.className = 'lv-search-input';
  input.placeholder = 'Search the log';
  input.setAttribute('aria-label', 'Search the log');
  const button = (label: string, delta: 1 | -1) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'lv-search-step';
    b.textContent = label;
    b.addEventListener('click', () => handlers.onStep(delta));
    return b;
  };
  const count = document.createElement('output');
  count.className = 'lv-search-count';
  count.setAttribute('aria-live', 'polite');
  form.append(input, button('Previous', -1), button('Next', 1), count);

  let typing: ReturnType<typeof setTimeout> | undefined;
  let sent = '';
  const send = () => {
    clearTimeout(typing);
    if (input.value === sent) return false;
    sent = input.value;
    handlers.onQuery(sent);
    return true;
  };
  input.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(send, TYPING_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (!send()) handlers.onStep(e.shiftKey ? -1 : 1); // a new query already went to its first match
  });
  form.addEventListener('submit', (e) => e.preventDefault());

  return {
    element: form,
    showCount(current, total, query) {
      const text = query === '' ? '' : total === 0 ? 'No matches' : `${current + 1} of ${total.toLocaleString('en')}`;
      if (count.textContent !== text) count.textContent = text;
    },
  };
}
