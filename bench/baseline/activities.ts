/** The baseline's activities: each does nothing and answers at once. */
export const baselineActivities = {
  async noop(step: number): Promise<number> {
    return step;
  },
};

export type BaselineActivities = typeof baselineActivities;
