import { defineGeneratedSuite } from '../support/generated';

defineGeneratedSuite(2, 4);
