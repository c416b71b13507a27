import type { ArmResource, SystemData } from '../state.js';

/** A resource as ARM returns it. Proxy resources (no location: models, jobs) carry no top-level tags. */
export function toArmBody(resource: ArmResource): Record<string, unknown> {
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    ...(resource.location === undefined ? {} : { location: resource.location, tags: { ...resource.tags } }),
    ...structuredClone(resource.extra),
    properties: structuredClone(resource.properties),
    ...(resource.systemData ? { systemData: { ...resource.systemData } } : {}),
  };
}

export function systemDataFor(principal: string, now: Date, previous?: SystemData): SystemData {
  const at = now.toISOString();
  const by = principal;
  return {
    createdAt: previous?.createdAt ?? at,
    createdBy: previous?.createdBy ?? by,
    createdByType: previous?.createdByType ?? 'Application',
    lastModifiedAt: at,
    lastModifiedBy: by,
    lastModifiedByType: 'Application',
  };
}
