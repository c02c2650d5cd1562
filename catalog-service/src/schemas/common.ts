import { text } from '@ecom/service-kit';

export const titleSchema = text({ max: 150, required: true });
