import { embeddedSearchIndex } from '#shared/adapters/search/embedded-search-index';
import { describeSearchIndex } from '../support/search-index-suite';

describeSearchIndex('embedded', async () => embeddedSearchIndex());
