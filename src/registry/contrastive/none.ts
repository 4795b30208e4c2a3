// No contrastive term (the baseline).
import {defineMode} from './descriptor';

export const none = defineMode({
  name: 'none',
  summary: 'No contrastive term: the backbone as published (the baseline)',
  needs: 'none',
  build: () => ({loss: () => null}),
});
