import { adoptKeyFromFragment, identityFromToken, loadApiKey, saveApiKey } from './credentials';

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  key(i: number): string | null {
    return [...this.items.keys()][i] ?? null;
  }
  removeItem(k: string): void {
    this.items.delete(k);
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
}

describe('dashboard credentials', () => {
  it('adopts #key= once and removes it from the address', () => {
    const storage = new MemoryStorage();
    const replaceState = jest.fn();
    const adopted = adoptKeyFromFragment(
      { hash: '#key=alpes_abc&tab=2', pathname: '/', search: '?x=1' },
      { replaceState },
      storage,
    );
    expect(adopted).toBe(true);
    expect(loadApiKey(storage)).toBe('alpes_abc');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/?x=1#tab=2');
    expect(adoptKeyFromFragment({ hash: '', pathname: '/', search: '' }, { replaceState }, storage)).toBe(
      false,
    );
    expect(replaceState).toHaveBeenCalledTimes(1);
  });

  it('forgets the key on sign-out', () => {
    const storage = new MemoryStorage();
    saveApiKey('k', storage);
    saveApiKey('', storage);
    expect(storage.length).toBe(0);
  });

  it('reads the display identity from a websocket token, and nothing from garbage', () => {
    const payload = btoa(JSON.stringify({ n: 'alice', r: 'operator', p: null, exp: 1 }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(identityFromToken(`${payload}.sig`)).toEqual({ name: 'alice', role: 'operator' });
    expect(identityFromToken('not a token')).toBeUndefined();
  });
});
