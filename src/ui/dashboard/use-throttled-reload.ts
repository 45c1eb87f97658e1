import { useEffect, useRef } from 'preact/hooks';

/**
 * Calls `load` once `trigger` has changed, at most once per `delayMs`: a timer already pending
 * covers later changes too (it reads the newest state when it fires), so a steady stream of events
 * neither starves the refetch, as a plain debounce would, nor floods the API.
 */
export function useThrottledReload(trigger: unknown, delayMs: number, load: () => void): void {
  const loadRef = useRef(load);
  loadRef.current = load;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const seen = useRef(trigger);
  useEffect(() => {
    if (Object.is(seen.current, trigger)) return;
    seen.current = trigger;
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      loadRef.current();
    }, delayMs);
  }, [trigger, delayMs]);
  useEffect(() => () => clearTimeout(timer.current), []);
}
