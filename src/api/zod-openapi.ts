import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** zod with `.openapi()`: every API schema imports z from here so the extension runs first. */
extendZodWithOpenApi(z);

export { z };
