// A React hook giving the server's current time (local clock + measured offset), ticking once a second (or faster when asked).
import { useEffect, useState } from 'react';

export const TICK_MS = 1_000;

export function useServerNow(clockOffsetMs: number, tickMs: number = TICK_MS): number {
  const [now, setNow] = useState(() => Date.now() + clockOffsetMs);
  useEffect(() => {
    setNow(Date.now() + clockOffsetMs);
    const t = setInterval(() => setNow(Date.now() + clockOffsetMs), tickMs);
    return () => clearInterval(t);
  }, [clockOffsetMs, tickMs]);
  return now;
}
