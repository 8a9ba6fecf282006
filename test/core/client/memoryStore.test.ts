import { createMemoryStore } from '../../../src/core/client/memoryStore';
import { describeClientStoreConformance } from './storeConformance';

describeClientStoreConformance('memory', createMemoryStore);
