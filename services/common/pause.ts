/** A sleep that wake() ends early: a consumer's idle poll or linger must not hold up close(). */
export class Pause {
  private waker: (() => void) | null = null;

  for(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waker = null;
        resolve();
      }, ms);
      this.waker = () => {
        clearTimeout(timer);
        this.waker = null;
        resolve();
      };
    });
  }

  wake(): void {
    this.waker?.();
  }
}
