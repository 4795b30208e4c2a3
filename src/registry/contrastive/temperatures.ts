// τ and τ_base as the SupCon options expect them, from the contrastive config section.
import type {ContrastiveConfig} from './descriptor';

export const temperatures = (c: ContrastiveConfig) => ({
  temperature: c.temperature,
  baseTemperature: c.baseTemperature ?? 0.07,
});
