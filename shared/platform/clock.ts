/**
 * The time a use case reads when its wiring passes no clock of its own: the system's, unless
 * the local platform was started with another (`startPlatform({ clock })`), which the HTTP
 * tests advance to let a hold expire or a sale end without waiting for it. In Lambda nothing
 * sets it: `now()` is `new Date()`.
 */
export type Clock = () => Date;

const systemClock: Clock = () => new Date();
let current: Clock = systemClock;

/** The current time, from the clock in use. */
export const now: Clock = () => current();

/** Makes `now` read `clock` (the local platform, tests); returns what puts the previous clock back. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
