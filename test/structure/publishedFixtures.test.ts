import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FIXTURES_DIR_OVERRIDE,
  committedFixturesDir,
  listFixtureFiles,
  publishedFixturesDir,
  sharedFixturesDir,
} from '../helpers/publishedFixtures.js';

/** The published samples the tests rely on; a sample added to or dropped from the source is a change to review here. */
const PUBLISHED_SAMPLES = [
  'README.md',
  'arm/2022-10-01/Compute/createOrUpdate/AmlCompute.json',
  'arm/2022-10-01/Compute/createOrUpdate/ComputeInstanceWithSchedules.json',
  'arm/2022-10-01/Compute/delete.json',
  'arm/2022-10-01/Compute/get/AmlCompute.json',
  'arm/2022-10-01/Compute/get/ComputeInstance.json',
  'arm/2022-10-01/Compute/list.json',
  'arm/2022-10-01/Compute/patch.json',
  'arm/2022-10-01/Job/CommandJob/list.json',
  'arm/2022-10-01/Job/PipelineJob/get.json',
  'arm/2022-10-01/ModelVersion/list.json',
  'arm/2022-10-01/Workspace/get.json',
  'arm/2022-10-01/Workspace/listBySubscription.json',
  'arm/2023-04-01/Compute/createOrUpdate/BasicAmlCompute.json',
  'arm/2023-04-01/Job/CommandJob/get.json',
  'arm/2023-04-01/Workspace/ModelVersion/get.json',
  'arm/resourcegraph/2021-03-01/ResourcesBasicQuery.json',
  'arm/spec/README.md',
  'arm/spec/specification/common-types/resource-management/v2/types.json',
  'arm/spec/specification/common-types/resource-management/v3/managedidentity.json',
  'arm/spec/specification/common-types/resource-management/v3/types.json',
  'arm/spec/specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2023-04-01/examples/Compute/updateIdleShutdownSetting.json',
  'arm/spec/specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/examples/Compute/get/AmlCompute.json',
  'arm/spec/specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/examples/Compute/get/ComputeInstance.json',
  'arm/spec/specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/examples/Compute/patch.json',
  'arm/spec/specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json',
  'events/cloudevents-DatasetDriftDetected.json',
  'events/cloudevents-ModelDeployed.json',
  'events/cloudevents-ModelRegistered.json',
  'events/cloudevents-ResourceWriteSuccess.json',
  'events/cloudevents-RunCompleted.json',
  'events/cloudevents-RunStatusChanged.json',
  'events/eventgrid-DatasetDriftDetected.json',
  'events/eventgrid-ModelDeployed.json',
  'events/eventgrid-ModelRegistered.json',
  'events/eventgrid-ResourceWriteSuccess.json',
  'events/eventgrid-RunCompleted.json',
  'events/eventgrid-RunStatusChanged.json',
  'events/eventgrid-SubscriptionValidationEvent-2020doc.json',
  'events/eventgrid-SubscriptionValidationEvent.json',
  'events/eventgrid-SubscriptionValidationResponse.json',
];

describe('the committed copy of the published samples', () => {
  it('holds every expected sample and nothing else', () => {
    expect(listFixtureFiles(committedFixturesDir)).toEqual(PUBLISHED_SAMPLES);
  });

  it('holds the folders its README describes, each sample as valid JSON', () => {
    const readme = readFileSync(new URL('README.md', committedFixturesDir), 'utf8');
    // Folders appear as section headings (`## events/ — ...`) or alone in backticks (`resourcegraph/`).
    const describedFolders = [...readme.matchAll(/^## ([a-z]+)\/ |`([a-z]+)\/`/gm)].map((match) => match[1] ?? match[2] ?? '');
    expect(describedFolders).toEqual(expect.arrayContaining(['events', 'arm', 'resourcegraph']));
    const files = listFixtureFiles(committedFixturesDir);
    for (const folder of describedFolders) {
      expect(files.some((file) => file.split('/').includes(folder)), `README folder ${folder}/`).toBe(true);
    }
    for (const file of files.filter((name) => name.endsWith('.json'))) {
      expect(() => JSON.parse(readFileSync(new URL(file, committedFixturesDir), 'utf8')) as unknown, file).not.toThrow();
    }
  });

  it('is byte for byte the shared samples beside the repository when they exist, and is what the tests read when they do not', () => {
    const shared = sharedFixturesDir();
    if (shared === undefined) {
      expect(publishedFixturesDir().href).toBe(committedFixturesDir.href);
      return;
    }
    expect(publishedFixturesDir().href).toBe(shared.href);
    const sharedFiles = listFixtureFiles(shared);
    expect(listFixtureFiles(committedFixturesDir)).toEqual(sharedFiles);
    const differing = sharedFiles.filter((file) => !readFileSync(new URL(file, shared)).equals(readFileSync(new URL(file, committedFixturesDir))));
    expect(differing).toEqual([]);
  });
});

describe('publishedFixturesDir', () => {
  it(`reads the folder named by ${FIXTURES_DIR_OVERRIDE}, absolute or relative to the repository root`, () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'published-fixtures-'));
    try {
      expect(publishedFixturesDir({ [FIXTURES_DIR_OVERRIDE]: elsewhere }).href).toBe(pathToFileURL(elsewhere + path.sep).href);
      expect(publishedFixturesDir({ [FIXTURES_DIR_OVERRIDE]: 'test/fixtures/published' }).href).toBe(committedFixturesDir.href);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('treats an override naming the committed copy as a plain clone, with no separate source to compare', () => {
    expect(sharedFixturesDir({ [FIXTURES_DIR_OVERRIDE]: 'test/fixtures/published' })).toBeUndefined();
  });

  it('refuses an override that names no folder rather than reading from somewhere else', () => {
    expect(() => publishedFixturesDir({ [FIXTURES_DIR_OVERRIDE]: 'test/fixtures/no-such-folder' })).toThrow(/AML_WARDEN_FIXTURES_DIR=test\/fixtures\/no-such-folder is not a directory/);
  });
});
