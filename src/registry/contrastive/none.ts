// No contrastive term (the baseline).
import type {ContrastiveMode} from './descriptor';

export const none: ContrastiveMode = {
  name: 'none',
  summary: 'No contrastive term: the backbone as published (the baseline)',
  needs: 'none',
  build: () => ({loss: () => null}),
};
