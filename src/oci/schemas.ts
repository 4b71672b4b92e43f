import * as z from 'zod';
import { DIGEST_PATTERN } from './digest.js';
import { MEDIA_TYPE_PATTERN } from './media-types.js';

/** Every byte the registry sends back is parsed here once; after that it is trusted. */

const annotations = z.record(z.string(), z.string());

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof platformSchema>;

export const descriptorSchema = z.object({
  mediaType: z.string().regex(MEDIA_TYPE_PATTERN, 'not a valid media type'),
  digest: z.string().regex(DIGEST_PATTERN, 'not a valid digest'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: annotations.optional(),
  data: z.string().optional(),
  artifactType: z.string().optional(),
  platform: platformSchema.optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotations.optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotations.optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

/** The distribution spec's error body: `{"errors":[{"code","message","detail"}]}`. */
export const errorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional(), detail: z.unknown().optional() })),
});
export type RegistryErrorBody = z.infer<typeof errorBodySchema>;

/** Token endpoint answer (docker token spec: `token`, with `access_token` as the OAuth2 alias). */
export const tokenResponseSchema = z
  .object({
    token: z.string().min(1).optional(),
    access_token: z.string().min(1).optional(),
    expires_in: z.number().int().positive().optional(),
    issued_at: z.string().optional(),
  })
  .refine((value) => value.token !== undefined || value.access_token !== undefined, 'no token in the answer');
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const tagListSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()).nullable(),
});

/** docker's ~/.docker/config.json, only the parts Paks reads. */
export const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});
export type DockerConfig = z.infer<typeof dockerConfigSchema>;

/** What `docker-credential-<name> get` prints. */
export const credentialHelperOutputSchema = z.object({
  ServerURL: z.string().optional(),
  Username: z.string(),
  Secret: z.string(),
});
